// Placeholder until the first report writers land.
