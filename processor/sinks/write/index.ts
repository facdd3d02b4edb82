export { backoffDelay, droppedCount, InfluxWriteError, MAX_RETRY_AFTER_MS, parseRetryAfter, retryAfterMs, retryDelay, statusOf, type BackoffPolicy, type FailureKind } from './policy.js';
export { deliver, notify, onePointEach, type DeliveryOptions, type Sizing } from './deliver.js';
export { parseEndpoint, type Endpoint } from './http.js';
