import ArgumentParser

struct Grade: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Grade journals in batch (not yet implemented).")
}

struct Merge: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Merge sharded grading results (not yet implemented).")
}

struct Exam: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Exam sessions (not yet implemented).")
}
