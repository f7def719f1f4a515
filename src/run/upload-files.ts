import { readFile } from 'node:fs/promises';
import { basename, extname } from 'node:path';
import { asObject } from '../core/json-value.js';
import type { FileInputRef } from '../config/expand-cases.js';
import type { DifyClient, DifyFileInput } from '../dify/dify-client.js';
import type { PlannedCase } from './planned-case.js';

const FILE_TYPES: Readonly<Record<string, DifyFileInput['type']>> = {
  '.pdf': 'document',
  '.txt': 'document',
  '.md': 'document',
  '.doc': 'document',
  '.docx': 'document',
  '.csv': 'document',
  '.html': 'document',
  '.png': 'image',
  '.jpg': 'image',
  '.jpeg': 'image',
  '.gif': 'image',
  '.webp': 'image',
  '.mp3': 'audio',
  '.wav': 'audio',
  '.m4a': 'audio',
  '.mp4': 'video',
  '.mov': 'video',
  '.webm': 'video',
};

/** Uploaded files by path: what a file input is sent as. */
export type UploadedFiles = ReadonlyMap<string, DifyFileInput>;

/** Whether an input value is a file to upload. */
export function isFileRef(value: unknown): value is FileInputRef {
  const object = asObject(value);
  return (
    object !== undefined && typeof object.file === 'string' && Object.keys(object).length === 1
  );
}

/** Whether any case has a file input. */
export function hasFileInputs(cases: Iterable<PlannedCase>): boolean {
  for (const c of cases) if (Object.values(c.inputs).some(isFileRef)) return true;
  return false;
}

/** Uploads each file input of the cases once and gives Dify's reference for each path. */
export async function uploadFiles(
  client: DifyClient,
  cases: Iterable<PlannedCase>,
  user: string,
  signal: AbortSignal | undefined,
): Promise<UploadedFiles> {
  const uploaded = new Map<string, DifyFileInput>();
  for (const c of cases) {
    for (const value of Object.values(c.inputs)) {
      if (!isFileRef(value) || uploaded.has(value.file)) continue;
      const data = await readFile(value.file);
      const file = await client.uploadFile({ data, filename: basename(value.file) }, user, {
        signal,
      });
      uploaded.set(value.file, {
        type: FILE_TYPES[extname(value.file).toLowerCase()] ?? 'custom',
        transfer_method: 'local_file',
        upload_file_id: file.id,
      });
    }
  }
  return uploaded;
}

/** A case's inputs with each file reference swapped for its upload. */
export function inputsWithFiles(
  inputs: Readonly<Record<string, unknown>>,
  files: UploadedFiles,
): Readonly<Record<string, unknown>> {
  if (files.size === 0) return inputs;
  return Object.fromEntries(
    Object.entries(inputs).map(([k, v]) => [k, isFileRef(v) ? [files.get(v.file)] : v]),
  );
}
