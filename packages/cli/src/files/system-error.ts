/** A Node file-system error (ENOENT, EISDIR, …), as fs calls reject with. */
export interface SystemError extends Error {
  code: string;
  syscall?: string;
  path?: string;
}

/** Whether `error` is a Node system error with a code such as ENOENT. */
export function isSystemError(error: unknown): error is SystemError {
  return error instanceof Error && typeof (error as { code?: unknown }).code === "string" && /^E[A-Z]+$/.test((error as SystemError).code);
}

const REASONS: Record<string, string> = {
  ENOENT: "no such file or folder",
  EISDIR: "is a folder, not a file",
  ENOTDIR: "a part of the path is not a folder",
  EACCES: "permission denied",
  EPERM: "operation not permitted",
  EROFS: "read-only file system",
  ENOSPC: "no space left on the device",
  EEXIST: "already exists",
  ENAMETOOLONG: "the name is too long",
  EMFILE: "too many open files",
  ELOOP: "too many symbolic links",
  EINVAL: "not a valid place for this",
  EXDEV: "on another device",
};

/** A system error's reason in words: "no such file or folder", "permission denied", … */
export function systemErrorReason(error: SystemError): string {
  return REASONS[error.code] ?? error.code;
}

/** One line for a system error no command caught: what was being done, where, why. */
export function describeSystemError(error: SystemError): string {
  const action = error.syscall === "open" || error.syscall === "read" || error.syscall === "stat" || error.syscall === "scandir" ? "read" : error.syscall === "write" || error.syscall === "mkdir" ? "write" : (error.syscall ?? "use");
  return `cannot ${action}${error.path ? ` ${error.path}` : ""}: ${systemErrorReason(error)}`;
}
