// trainsim: placeholder entry point until the subcommands land.
int main() { return 0; }
