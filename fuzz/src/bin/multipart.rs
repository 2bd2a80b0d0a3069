fn main() {
    afl::fuzz!(|data: &[u8]| servihub_fuzz::multipart(data));
}
