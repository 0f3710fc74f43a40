/// Coordinators are pure state machines over their internal topics: they take events (requests,
/// the clock, replayed records) and return the records to append and the responses to send.
/// See docs/architecture.md.
public enum Coordinator {}
