import HazLabCore
import HazLabScoring

/// Per-attempt and per-class HTML reports (placeholder; see issue 4).
public enum HTMLReport {}
