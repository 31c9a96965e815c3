/**
 * The events a webhook subscription can ask for, and what a new one gets unless it names others:
 * the ends of searches and submissions (the lifecycle events in between are for the pipeline).
 */
export const WEBHOOK_EVENT_TYPES: readonly string[] = ["Search Completed", "Search Failed", "Submission Completed"];
