import XCTest
@testable import HazLabRecords
final class JournalTests: XCTestCase {}
