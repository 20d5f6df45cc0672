//! Bad input: every case answers a clear 4xx problem and writes nothing.
