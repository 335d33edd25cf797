export * from './canonical-json';
export * from './forms';
export * from './form-content';
export * from './render-pdf';
export * from './document-signature';
export * from './document-store';
