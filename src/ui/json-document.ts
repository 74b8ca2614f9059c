/**
 * Every JSON document xlp prints (a result, or `{"error": …}`) carries `schemaVersion` at its top
 * level, so that a script can refuse a document whose shape it does not know instead of misreading
 * it. The number changes only when a field changes meaning or goes away; new fields do not change it.
 */
import { jsonText } from '../model/text.js';

export const SCHEMA_VERSION = 1;

/** The JSON text of `body` as a document: `schemaVersion` first, then the body's own fields. */
export const jsonDocument = (body: object): string => jsonText({ schemaVersion: SCHEMA_VERSION, ...body });
