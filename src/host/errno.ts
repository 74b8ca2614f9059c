/**
 * The errno values Xen reports through xen-livepatch, with glibc's strerror text (Xen's errno numbers
 * equal Linux's on x86). The text is what the real tool prints after `Error N: `, so the fake tool
 * and the parser share this one table.
 */
export interface ErrnoInfo {
  readonly errno: number;
  readonly name: string;
  readonly message: string;
}

const TABLE: readonly ErrnoInfo[] = [
  { errno: 1, name: 'EPERM', message: 'Operation not permitted' },
  { errno: 2, name: 'ENOENT', message: 'No such file or directory' },
  { errno: 7, name: 'E2BIG', message: 'Argument list too long' },
  { errno: 11, name: 'EAGAIN', message: 'Resource temporarily unavailable' },
  { errno: 12, name: 'ENOMEM', message: 'Cannot allocate memory' },
  { errno: 13, name: 'EACCES', message: 'Permission denied' },
  { errno: 14, name: 'EFAULT', message: 'Bad address' },
  { errno: 16, name: 'EBUSY', message: 'Device or resource busy' },
  { errno: 17, name: 'EEXIST', message: 'File exists' },
  { errno: 19, name: 'ENODEV', message: 'No such device' },
  { errno: 20, name: 'ENOTDIR', message: 'Not a directory' },
  { errno: 21, name: 'EISDIR', message: 'Is a directory' },
  { errno: 22, name: 'EINVAL', message: 'Invalid argument' },
  { errno: 34, name: 'ERANGE', message: 'Numerical result out of range' },
  { errno: 36, name: 'ENAMETOOLONG', message: 'File name too long' },
  { errno: 38, name: 'ENOSYS', message: 'Function not implemented' },
  { errno: 40, name: 'ELOOP', message: 'Too many levels of symbolic links' },
  { errno: 61, name: 'ENODATA', message: 'No data available' },
  { errno: 75, name: 'EOVERFLOW', message: 'Value too large for defined data type' },
  { errno: 95, name: 'EOPNOTSUPP', message: 'Operation not supported' },
  { errno: 105, name: 'ENOBUFS', message: 'No buffer space available' },
];

const BY_NUMBER = new Map(TABLE.map((e) => [e.errno, e]));
const BY_NAME = new Map(TABLE.map((e) => [e.name, e]));

export const Errno = {
  EPERM: 1,
  ENOENT: 2,
  E2BIG: 7,
  EAGAIN: 11,
  ENOMEM: 12,
  EACCES: 13,
  EFAULT: 14,
  EBUSY: 16,
  EEXIST: 17,
  ENODEV: 19,
  ENOTDIR: 20,
  EISDIR: 21,
  EINVAL: 22,
  ERANGE: 34,
  ENAMETOOLONG: 36,
  ENOSYS: 38,
  ELOOP: 40,
  ENODATA: 61,
  EOVERFLOW: 75,
  EOPNOTSUPP: 95,
  ENOBUFS: 105,
} as const;

/** Describes an errno; unknown numbers get glibc's "Unknown error N" wording. */
export function errnoInfo(errno: number): ErrnoInfo {
  return BY_NUMBER.get(errno) ?? { errno, name: `E${errno}`, message: `Unknown error ${errno}` };
}

export function errnoByName(name: string): ErrnoInfo | undefined {
  return BY_NAME.get(name);
}

/** Reverse lookup of glibc's text, for outputs that print only the message. */
export function errnoByMessage(message: string): ErrnoInfo | undefined {
  return TABLE.find((e) => e.message === message);
}
