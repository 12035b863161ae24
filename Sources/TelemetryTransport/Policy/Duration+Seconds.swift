extension Duration {
    /// Seconds as a Double (attoseconds folded in).
    public var inSeconds: Double {
        let c = components
        return Double(c.seconds) + Double(c.attoseconds) / 1e18
    }
}
