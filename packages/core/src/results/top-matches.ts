/**
 * How many of a search's best matches travel beside its results file: in the `Search Completed`
 * event (the catalog's limit), and per mask in a submission's mask records and summary, which
 * are filled from the same results.
 */
export const TOP_MATCHES_REPORTED = 10;
