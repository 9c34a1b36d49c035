import Foundation
import HazLabRecords
import HazLabRunner

/// What the server's grader requires of a streamed journal: its hash chain, and a trailer signed
/// by a workstation key registered on this server and not revoked when the attempt started
/// (`RegistrySignatures` over the `lab_workstations` table, read at each grading so a revocation
/// counts at once).
public struct LabRegistrySignatures: JournalSignatureVerifier {
    let accounts: LabAccounts
    public init(accounts: LabAccounts) { self.accounts = accounts }

    public func verify(_ journal: Journal, bytes: [UInt8], layout: JournalLayout) -> [GradeError] {
        let keys = (try? accounts.workstations()) ?? []
        return RegistrySignatures(registry: KeyRegistry(keys: keys)).verify(journal, bytes: bytes, layout: layout)
    }
}
