/// Takeoff's version, as the CHANGELOG numbers releases (semantic versioning: until 1.0, a minor version
/// may change the public API and the formats on disk).
public enum TakeoffVersion {
    /// The version of this build of the library.
    public static let current = "0.2.0"
}
