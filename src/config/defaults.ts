// Defaults that the option table and the meter's library interface share, written once.
// Imports nothing, so any room may import it.

/** A closing TCP connection's last packets (the final ACK, the other side's FIN) follow its
 * FIN or RST within a round trip or two: a flow that saw one waits this long, s. */
export const DEFAULT_TCP_END_TIMEOUT_S = 2;
