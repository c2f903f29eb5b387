"""The sandbox child: ``python -m assessment.extraction.child`` reads framed requests on
stdin and writes framed results on stdout, one file at a time, under resource limits."""

from __future__ import annotations

import logging
import math
import os
import resource
import sys
import warnings

from assessment.extraction.extract import extract_checked, load_parsers
from assessment.extraction.limits import MB, UploadLimits
from assessment.extraction.protocol import READY, encode_result, frame, read_request
from assessment.extraction.results import failed

# Exit after a parser failed unexpectedly or ran out of memory: the process may be left in a
# state not worth reusing; the sandbox starts a fresh child for the next file.
EXIT_AFTER_FAILURE = 3


def main() -> int:
    """Serve requests until stdin closes; returns the exit status."""
    # The protocol owns the real stdout; anything a library prints goes to stderr.
    protocol_out = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)
    requests = sys.stdin.buffer
    logging.disable(logging.CRITICAL)
    warnings.simplefilter("ignore")
    load_parsers()
    _forbid_files_and_cores()
    protocol_out.write(frame(READY))
    protocol_out.flush()
    while True:
        request = read_request(requests)
        if request is None:
            return 0
        _limit_this_task(request.limits)
        try:
            result, fit = extract_checked(request.name, request.data, request.kind, request.limits)
        except MemoryError:
            limit = request.limits.memory_mb
            message = f"{request.name}: reading it needed more than {limit} MB"
            result, fit = failed(request.kind, message), False
        _lift_memory_limit()
        protocol_out.write(encode_result(result, recycle=not fit))
        protocol_out.flush()
        if not fit:
            return EXIT_AFTER_FAILURE


def _forbid_files_and_cores() -> None:
    # Extraction never writes files; a parser tricked into writing one is stopped by the kernel.
    resource.setrlimit(resource.RLIMIT_FSIZE, (0, 0))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


def _limit_this_task(limits: UploadLimits) -> None:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    cpu_used = usage.ru_utime + usage.ru_stime
    # Soft limits only: the hard limit stays open so the next task can be given its own.
    cpu_soft = math.ceil(cpu_used + limits.timeout_s) + 1
    resource.setrlimit(resource.RLIMIT_CPU, (cpu_soft, resource.RLIM_INFINITY))
    address_space = _address_space_bytes() + limits.memory_mb * MB
    resource.setrlimit(resource.RLIMIT_AS, (address_space, resource.RLIM_INFINITY))


def _lift_memory_limit() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (resource.RLIM_INFINITY, resource.RLIM_INFINITY))


def _address_space_bytes() -> int:
    with open("/proc/self/statm") as statm:
        pages = int(statm.read().split()[0])
    return pages * os.sysconf("SC_PAGE_SIZE")


if __name__ == "__main__":
    sys.exit(main())
