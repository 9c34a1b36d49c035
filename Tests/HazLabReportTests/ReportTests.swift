import XCTest
import HazLabReport

final class ReportTests: XCTestCase {}
