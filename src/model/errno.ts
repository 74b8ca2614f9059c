/**
 * Every errno Xen can hand back through xen-livepatch, with glibc's strerror text (what the real
 * tool prints after `Error N: `). The numbers are xen/include/public/errno.h's, which equal x86
 * Linux's; the file errors of the tool's own open/stat/mmap of the payload come from Linux and
 * are listed too. The fake tool and the parser share this one table.
 */
export interface ErrnoInfo {
  readonly errno: number;
  readonly name: string;
  readonly message: string;
}

export const Errno = {
  EPERM: 1,
  ENOENT: 2,
  ESRCH: 3,
  EINTR: 4,
  EIO: 5,
  ENXIO: 6,
  E2BIG: 7,
  ENOEXEC: 8,
  EBADF: 9,
  ECHILD: 10,
  EAGAIN: 11,
  ENOMEM: 12,
  EACCES: 13,
  EFAULT: 14,
  EBUSY: 16,
  EEXIST: 17,
  EXDEV: 18,
  ENODEV: 19,
  ENOTDIR: 20,
  EISDIR: 21,
  EINVAL: 22,
  ENFILE: 23,
  EMFILE: 24,
  ENOSPC: 28,
  EMLINK: 31,
  EDOM: 33,
  ERANGE: 34,
  EDEADLK: 35,
  ENAMETOOLONG: 36,
  ENOLCK: 37,
  ENOSYS: 38,
  ELOOP: 40,
  EBADRQC: 56,
  EBADSLT: 57,
  ENODATA: 61,
  ETIME: 62,
  EBADMSG: 74,
  EOVERFLOW: 75,
  EILSEQ: 84,
  ERESTART: 85,
  EUSERS: 87,
  ENOTSOCK: 88,
  EOPNOTSUPP: 95,
  EADDRINUSE: 98,
  EADDRNOTAVAIL: 99,
  ENOBUFS: 105,
  EISCONN: 106,
  ENOTCONN: 107,
  ESHUTDOWN: 108,
  ETOOMANYREFS: 109,
  ETIMEDOUT: 110,
} as const;

/** glibc 2.36's strerror() for each number above. */
const MESSAGES: Readonly<Record<number, string>> = {
  1: 'Operation not permitted',
  2: 'No such file or directory',
  3: 'No such process',
  4: 'Interrupted system call',
  5: 'Input/output error',
  6: 'No such device or address',
  7: 'Argument list too long',
  8: 'Exec format error',
  9: 'Bad file descriptor',
  10: 'No child processes',
  11: 'Resource temporarily unavailable',
  12: 'Cannot allocate memory',
  13: 'Permission denied',
  14: 'Bad address',
  16: 'Device or resource busy',
  17: 'File exists',
  18: 'Invalid cross-device link',
  19: 'No such device',
  20: 'Not a directory',
  21: 'Is a directory',
  22: 'Invalid argument',
  23: 'Too many open files in system',
  24: 'Too many open files',
  28: 'No space left on device',
  31: 'Too many links',
  33: 'Numerical argument out of domain',
  34: 'Numerical result out of range',
  35: 'Resource deadlock avoided',
  36: 'File name too long',
  37: 'No locks available',
  38: 'Function not implemented',
  40: 'Too many levels of symbolic links',
  56: 'Invalid request code',
  57: 'Invalid slot',
  61: 'No data available',
  62: 'Timer expired',
  74: 'Bad message',
  75: 'Value too large for defined data type',
  84: 'Invalid or incomplete multibyte or wide character',
  85: 'Interrupted system call should be restarted',
  87: 'Too many users',
  88: 'Socket operation on non-socket',
  95: 'Operation not supported',
  98: 'Address already in use',
  99: 'Cannot assign requested address',
  105: 'No buffer space available',
  106: 'Transport endpoint is already connected',
  107: 'Transport endpoint is not connected',
  108: 'Cannot send after transport endpoint shutdown',
  109: 'Too many references: cannot splice',
  110: 'Connection timed out',
};

const TABLE: readonly ErrnoInfo[] = Object.entries(Errno).map(([name, errno]) => ({ errno, name, message: MESSAGES[errno] ?? '' }));
const BY_NUMBER = new Map(TABLE.map((e) => [e.errno, e]));

/** Describes an errno; numbers outside the table (a hook may return anything) get glibc's "Unknown error N". */
export function errnoInfo(errno: number): ErrnoInfo {
  return BY_NUMBER.get(errno) ?? { errno, name: 'unknown', message: `Unknown error ${errno}` };
}

/** Reverse lookup of glibc's text, for outputs that print only the message. */
export function errnoByMessage(message: string): ErrnoInfo | undefined {
  return TABLE.find((e) => e.message === message);
}

/** `errno 22 EINVAL (Invalid argument)`; a number outside the table reads `errno 200 (Unknown error 200)`. */
export function describeErrno(errno: number): string {
  const info = errnoInfo(errno);
  return BY_NUMBER.has(errno) ? `errno ${errno} ${info.name} (${info.message})` : `errno ${errno} (${info.message})`;
}
