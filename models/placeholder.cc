// Placeholder until the first model sources land.
