/** Set (the CLI's --debug sets it) to have each pool print its threads' busy time to stderr when it closes. */
export const BUSY_REPORT_ENV = 'LMMSCAN_BUSY_REPORT';
