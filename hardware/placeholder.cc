// Placeholder until the first hardware sources land.
