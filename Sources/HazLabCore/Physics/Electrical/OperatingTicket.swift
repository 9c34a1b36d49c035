/// The operating ticket (倒闸操作票): the ordered list of operations a switching task consists
/// of, as written and checked before the task and carried out item by item under supervision.
///
/// Source: GB 26860-2011 《电力安全工作规程 发电厂和变电站电气部分》 (操作票: one ticket per
/// task, operations in order, each position checked after it is operated, 验电 before 接地) and
/// DL/T 687-2010 (the computerised anti-misoperation system: the ticket is loaded into the
/// 电脑钥匙, which unlocks only the device of the next item — the five-prevention rule 1).
///
/// In the engine, rule 1 uses the ticket: a switching operation (open or close of a breaker,
/// disconnector or earthing switch of the network) that is not the ticket's next item is
/// blocked, or, with rule 1 disabled, goes through and is recorded as a ticket deviation.
/// Items that no lock can stop (check, test for voltage, signs, locks) are never blocked: done
/// as the next item they advance the ticket; done ahead of their turn they count as a deviation.
public enum TicketOperation: UInt8, Sendable, CaseIterable {
    /// 拉开/断开: open a switch.
    case open = 1
    /// 合上: close a switch.
    case close
    /// 检查…确在分位/合位: inspect a switch in the stated position.
    case check
    /// 验电: a test for voltage (the `verify` verb on an energy source) that finds it dead.
    case verify
    /// 悬挂/取下标示牌.
    case tag, untag
    /// 加锁/解锁.
    case lock, unlock

    /// The key in a ticket step (`- open: QF1`); also the name in reports.
    public var name: String {
        switch self {
        case .open: return "open"
        case .close: return "close"
        case .check: return "check"
        case .verify: return "verify"
        case .tag: return "tag"
        case .untag: return "untag"
        case .lock: return "lock"
        case .unlock: return "unlock"
        }
    }

    /// The journal verb that performs it.
    public var verb: Verb {
        switch self {
        case .open: return .open
        case .close: return .close
        case .check: return .inspect
        case .verify: return .verify
        case .tag: return .tag
        case .untag: return .untag
        case .lock: return .lock
        case .unlock: return .unlock
        }
    }

    /// Whether the five-prevention rule 1 interlock can stop it (a lock on the operating mechanism).
    public var isSwitching: Bool { self == .open || self == .close }
}

public struct TicketStep: Sendable, Hashable {
    public var operation: TicketOperation
    /// Entity row.
    public var entity: Int32
    /// `check` only: the position to be seen (true = closed).
    public var closed: Bool
    public var title: LocalizedText

    public init(_ operation: TicketOperation, entity: Int32, closed: Bool = false, title: LocalizedText = .empty) {
        self.operation = operation; self.entity = entity; self.closed = closed; self.title = title
    }
}

public struct OperatingTicket: Sendable {
    /// The ticket number (操作票编号).
    public var id: String
    /// The task (操作任务).
    public var title: LocalizedText
    public var steps: [TicketStep]

    public init(id: String, title: LocalizedText, steps: [TicketStep]) {
        self.id = id; self.title = title; self.steps = steps
    }
}

/// Progress through the ticket: fixed-size (one entry per step), in `State`.
public struct TicketState: Sendable, Hashable {
    public static let pending: UInt8 = 0
    public static let done: UInt8 = 1
    /// Done ahead of its turn (a deviation).
    public static let outOfOrder: UInt8 = 2

    /// Per step: pending, done or outOfOrder.
    public var status: ContiguousArray<UInt8>
    /// Per step: the tick it was done, or -1.
    public var doneTick: ContiguousArray<Int64>
    /// Row of the first step not done; `status.count` when the ticket is complete.
    public var next: Int32 = 0
    /// Operations performed off the ticket (out of order or not on it) that went through.
    public var deviations: Int32 = 0
    /// Operations the rule 1 interlock stopped.
    public var blocked: Int32 = 0

    public init(stepCount: Int) {
        status = ContiguousArray(repeating: Self.pending, count: stepCount)
        doneTick = ContiguousArray(repeating: -1, count: stepCount)
    }

    public var complete: Bool { Int(next) >= status.count }
    public var completed: Int { status.reduce(0) { $0 + ($1 == Self.pending ? 0 : 1) } }

    mutating func mark(_ k: Int, _ value: UInt8, tick: Int64) {
        status[k] = value
        doneTick[k] = tick
        while Int(next) < status.count && status[Int(next)] != Self.pending { next += 1 }
    }

    /// Canonical bytes (see `State.hash`).
    public func hash(into h: inout StateHasher) {
        h.array(status); h.array(doneTick)
        h.i32(next); h.i32(deviations); h.i32(blocked)
    }
}
