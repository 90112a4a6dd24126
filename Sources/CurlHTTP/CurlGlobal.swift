internal import CCurl

#if canImport(Glibc)
internal import Glibc
#endif

/// Process-wide libcurl setup, done once on first use (Swift runs a global's initialiser exactly once).
///
/// `curl_global_init` is not thread-safe against other libcurl calls, so every client touches this before its first
/// handle. SIGPIPE is ignored process-wide because a peer closing a socket mid-write must be an error, not a kill;
/// `CURLOPT_NOSIGNAL` alone does not cover writes on reused connections.
let curlGlobalInitialization: Void = {
    _ = signal(SIGPIPE, SIG_IGN)
    let result = ccurl_global_init_all()
    precondition(
        result == CURLE_OK,
        "curl_global_init failed (\(result.rawValue)); the libcurl installation is broken, reinstall libcurl4"
    )
}()
