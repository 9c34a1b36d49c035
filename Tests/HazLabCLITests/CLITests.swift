import XCTest
final class CLITests: XCTestCase {}
