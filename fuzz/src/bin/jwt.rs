fn main() {
    let auth = servihub_fuzz::authenticator();
    afl::fuzz!(|data: &[u8]| servihub_fuzz::jwt(&auth, data));
}
