export { escapeKey, escapeMeasurement, formatFloat, formatTimestamp, LineProtocolError, quoteString, seriesKey, toLine, type FieldValue, type Point } from './point.js';
export { createReadingEncoder, FIELD_FLAG, FIELD_VALUE, indexSites, PointError, TAG_KEYS, type ReadingEncoder, type Refused, type SiteIndex, type SiteTags } from './readings.js';
