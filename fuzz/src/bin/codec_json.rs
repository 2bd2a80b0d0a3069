fn main() {
    afl::fuzz!(|data: &[u8]| servihub_fuzz::codec_json(data));
}
