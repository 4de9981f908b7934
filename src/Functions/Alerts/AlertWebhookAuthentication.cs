using System.Security.Cryptography;
using System.Text;
using Blueshift.Functions.Security;

namespace Blueshift.Functions.Alerts;

/// <summary>
/// Decides whether a webhook call comes from an action group Blueshift trusts. Fails closed: with nothing configured,
/// or with credentials Blueshift cannot check, the answer is no.
/// </summary>
public sealed class AlertWebhookAuthentication
{
    public const string FunctionKeyHeader = "x-functions-key";

    private readonly byte[][] _keyHashes;
    private readonly bool _trustHostKeyCheck;
    private readonly Caller _caller;

    /// <param name="startedByFunctionsHost">True when the Functions host started this handler and checks keys before forwarding.</param>
    public AlertWebhookAuthentication(AlertWebhookOptions options, bool startedByFunctionsHost)
    {
        // Hashes of equal length make the comparison fixed-time whatever the presented key's length.
        _keyHashes = options.FunctionKeys.Select(k => SHA256.HashData(Encoding.UTF8.GetBytes(k))).ToArray();
        _trustHostKeyCheck = options.TrustFunctionsHostKeyCheck && startedByFunctionsHost;
        _caller = new Caller(options.CallerId, "Azure Monitor action group", new HashSet<string>([Roles.Releaser], StringComparer.Ordinal));
    }

    /// <returns>The machine caller rollbacks are made under, or null with the reason (safe to show) in <paramref name="failure"/>.</returns>
    public Caller? Authenticate(HttpRequest request, out string? failure)
    {
        if (request.Headers.Authorization.Count > 0)
        {
            failure = "Bearer tokens are not accepted by the alert webhook of this deployment; call it with the function key.";
            return null;
        }
        var keys = request.Headers[FunctionKeyHeader].Concat(request.Query["code"]).Where(k => !string.IsNullOrEmpty(k)).ToList();
        if (keys.Count != 1)
        {
            failure = keys.Count == 0
                ? "No credentials: call the alert webhook with its function key (x-functions-key header or code query parameter)."
                : "Send the function key once, in the x-functions-key header or the code query parameter.";
            return null;
        }
        if (_keyHashes.Length > 0)
        {
            var presented = SHA256.HashData(Encoding.UTF8.GetBytes(keys[0]!));
            var match = false;
            foreach (var hash in _keyHashes)
            {
                match |= CryptographicOperations.FixedTimeEquals(hash, presented);
            }
            failure = match ? null : "The function key is not valid for the alert webhook.";
            return match ? _caller : null;
        }
        if (_trustHostKeyCheck)
        {
            failure = null;
            return _caller;
        }
        failure = "The alert webhook runs without the Functions host and no keys are configured for it (Blueshift:Alerts:FunctionKeys), so it accepts no call.";
        return null;
    }
}
