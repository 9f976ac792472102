"""A real file system without hard links, for testing the publishing fallback.

``python tests/nolinkfs.py ROOT MOUNTPOINT`` mounts ROOT at MOUNTPOINT through FUSE (fusepy,
libfuse2) in the foreground. Every operation passes through to ROOT except ``link``, which
fails with ``EPERM`` as on FAT file systems and some network shares.
"""

import errno
import os
import sys

from fuse import FUSE, FuseOSError, Operations


class NoLinks(Operations):
    def __init__(self, root):
        self.root = root

    def _p(self, path):
        return os.path.join(self.root, path.lstrip("/"))

    def getattr(self, path, fh=None):
        try:
            st = os.lstat(self._p(path))
        except OSError as exc:
            raise FuseOSError(exc.errno) from None
        return {k: getattr(st, k) for k in ("st_atime", "st_ctime", "st_gid", "st_mode",
                                             "st_mtime", "st_nlink", "st_size", "st_uid")}

    def readdir(self, path, fh):
        return [".", ".."] + os.listdir(self._p(path))

    def access(self, path, mode):
        if not os.access(self._p(path), mode):
            raise FuseOSError(errno.EACCES)

    def statfs(self, path):
        st = os.statvfs(self._p(path))
        return {k: getattr(st, k) for k in ("f_bavail", "f_bfree", "f_blocks", "f_bsize",
                                             "f_favail", "f_ffree", "f_files", "f_flag",
                                             "f_frsize", "f_namemax")}

    def _call(self, fn, *args):
        try:
            return fn(*args)
        except OSError as exc:
            raise FuseOSError(exc.errno) from None

    def create(self, path, mode, fi=None):
        return self._call(os.open, self._p(path), os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)

    def open(self, path, flags):
        return self._call(os.open, self._p(path), flags)

    def read(self, path, size, offset, fh):
        os.lseek(fh, offset, os.SEEK_SET)
        return os.read(fh, size)

    def write(self, path, data, offset, fh):
        os.lseek(fh, offset, os.SEEK_SET)
        return os.write(fh, data)

    def truncate(self, path, length, fh=None):
        self._call(os.truncate, self._p(path), length)

    def flush(self, path, fh):
        return 0

    def fsync(self, path, datasync, fh):
        return self._call(os.fsync, fh)

    def release(self, path, fh):
        return self._call(os.close, fh)

    def unlink(self, path):
        self._call(os.unlink, self._p(path))

    def rename(self, old, new):
        self._call(os.rename, self._p(old), self._p(new))

    def mkdir(self, path, mode):
        self._call(os.mkdir, self._p(path), mode)

    def rmdir(self, path):
        self._call(os.rmdir, self._p(path))

    def chmod(self, path, mode):
        self._call(os.chmod, self._p(path), mode)

    def chown(self, path, uid, gid):
        self._call(os.chown, self._p(path), uid, gid)

    def utimens(self, path, times=None):
        self._call(os.utime, self._p(path), times)

    def link(self, target, source):
        raise FuseOSError(errno.EPERM)


if __name__ == "__main__":
    FUSE(NoLinks(sys.argv[1]), sys.argv[2], foreground=True, nothreads=True)
