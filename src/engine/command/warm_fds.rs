//! Handing a warm run its output pipes: one message on the warm parent's Unix socket, the
//! request's bytes with the run's stdout and stderr descriptors attached (SCM_RIGHTS), which
//! `seedscope_warm.py` takes with `socket.recv_fds` and gives the forked child as fds 1 and 2.

use std::io;
use std::os::fd::{AsRawFd, BorrowedFd};
use std::os::unix::net::UnixStream;

/// Sends `bytes` on `stream` with `fds` attached, in one `sendmsg`. The descriptors are
/// duplicated into the receiver; the caller still owns (and should close) its own.
pub fn send_with_fds(stream: &UnixStream, bytes: &[u8], fds: &[BorrowedFd<'_>]) -> io::Result<()> {
    let raw: Vec<libc::c_int> = fds.iter().map(|fd| fd.as_raw_fd()).collect();
    let payload = std::mem::size_of_val(raw.as_slice());
    // SAFETY: CMSG_SPACE only computes a size from its argument.
    let space = unsafe { libc::CMSG_SPACE(payload as libc::c_uint) } as usize;
    // u64 words keep the control buffer aligned for `cmsghdr`.
    let mut control = vec![0u64; space.div_ceil(8)];
    let mut iov = libc::iovec {
        iov_base: bytes.as_ptr() as *mut libc::c_void,
        iov_len: bytes.len(),
    };
    // SAFETY: a zeroed msghdr is valid (null pointers, zero lengths); the fields set below
    // point at `iov` and `control`, which outlive the sendmsg call.
    let mut message: libc::msghdr = unsafe { std::mem::zeroed() };
    message.msg_iov = &mut iov;
    message.msg_iovlen = 1;
    message.msg_control = control.as_mut_ptr().cast();
    message.msg_controllen = space as _;
    // SAFETY: `message` has a control buffer of CMSG_SPACE(payload) bytes, so CMSG_FIRSTHDR
    // returns a header inside it with room for CMSG_LEN(payload) bytes of header and data;
    // the descriptors are copied into that data.
    unsafe {
        let header = libc::CMSG_FIRSTHDR(&message);
        (*header).cmsg_level = libc::SOL_SOCKET;
        (*header).cmsg_type = libc::SCM_RIGHTS;
        (*header).cmsg_len = libc::CMSG_LEN(payload as libc::c_uint) as _;
        std::ptr::copy_nonoverlapping(raw.as_ptr().cast::<u8>(), libc::CMSG_DATA(header), payload);
    }
    let mut sent = 0;
    while sent == 0 {
        // SAFETY: `message` and everything it points at are valid for the call.
        let rc = unsafe { libc::sendmsg(stream.as_raw_fd(), &message, libc::MSG_NOSIGNAL) };
        if rc < 0 {
            let error = io::Error::last_os_error();
            if error.kind() == io::ErrorKind::Interrupted {
                continue;
            }
            return Err(error);
        }
        sent = rc as usize;
    }
    // The descriptors went with the first byte; the rest of a long request follows plainly.
    io::Write::write_all(&mut &*stream, &bytes[sent..])
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{Read, Write};
    use std::os::fd::{AsFd, FromRawFd, OwnedFd};

    /// Receives one message and its descriptors, as `socket.recv_fds` does.
    fn receive(stream: &UnixStream) -> (Vec<u8>, Vec<OwnedFd>) {
        let mut bytes = vec![0u8; 4096];
        let mut control = vec![0u64; 64];
        let mut iov = libc::iovec {
            iov_base: bytes.as_mut_ptr().cast(),
            iov_len: bytes.len(),
        };
        // SAFETY: as in `send_with_fds`; recvmsg fills `bytes` and `control`.
        let mut message: libc::msghdr = unsafe { std::mem::zeroed() };
        message.msg_iov = &mut iov;
        message.msg_iovlen = 1;
        message.msg_control = control.as_mut_ptr().cast();
        message.msg_controllen = std::mem::size_of_val(control.as_slice()) as _;
        // SAFETY: every pointer in `message` is valid for the call.
        let read = unsafe { libc::recvmsg(stream.as_raw_fd(), &mut message, 0) };
        assert!(read >= 0, "{}", io::Error::last_os_error());
        bytes.truncate(read as usize);
        let mut fds = Vec::new();
        // SAFETY: the kernel filled the control buffer; the header and its data lie within it,
        // and each descriptor in an SCM_RIGHTS message is a new one this process owns.
        unsafe {
            let header = libc::CMSG_FIRSTHDR(&message);
            assert!(!header.is_null(), "no descriptors came");
            assert_eq!((*header).cmsg_type, libc::SCM_RIGHTS);
            let count = ((*header).cmsg_len as usize - libc::CMSG_LEN(0) as usize)
                / std::mem::size_of::<libc::c_int>();
            let data = libc::CMSG_DATA(header).cast::<libc::c_int>();
            for i in 0..count {
                fds.push(OwnedFd::from_raw_fd(data.add(i).read_unaligned()));
            }
        }
        (bytes, fds)
    }

    /// Both pipes arrive, in order: what the receiver writes to them comes out of the
    /// sender's read ends.
    #[test]
    fn the_pipes_arrive_and_carry_output() {
        let (ours, theirs) = UnixStream::pair().unwrap();
        let (mut out_read, out_write) = std::io::pipe().unwrap();
        let (mut err_read, err_write) = std::io::pipe().unwrap();
        let request = br#"{"argv": ["train.py"]}"#;
        send_with_fds(&ours, request, &[out_write.as_fd(), err_write.as_fd()]).unwrap();
        drop((out_write, err_write));
        let (bytes, fds) = receive(&theirs);
        assert_eq!(bytes, request);
        assert_eq!(fds.len(), 2);
        let mut fds = fds.into_iter().map(std::fs::File::from);
        fds.next().unwrap().write_all(b"to stdout").unwrap();
        fds.next().unwrap().write_all(b"to stderr").unwrap();
        let (mut out, mut err) = (String::new(), String::new());
        out_read.read_to_string(&mut out).unwrap();
        err_read.read_to_string(&mut err).unwrap();
        assert_eq!((out.as_str(), err.as_str()), ("to stdout", "to stderr"));
    }
}
