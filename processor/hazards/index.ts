export { registerHazardRoutes, type HazardRouteDeps } from './api.js';
export { createPhotoStore, sniffImage, isPhotoId, type PhotoStore } from './photos.js';
export { hazardReportSchema, parseDeadline, PhotoFieldsSchema } from './report.js';
export * from './types.js';
