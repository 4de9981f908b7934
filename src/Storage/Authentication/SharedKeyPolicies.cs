using System.Globalization;
using System.Text;
using Azure.Core;
using Azure.Core.Pipeline;

namespace Blueshift.Storage.Authentication;

/// <summary>
/// Signs each attempt (it runs per retry, so a retried request carries a fresh <c>x-ms-date</c>).
/// The canonicalized resource is <c>/account</c> followed by the request's encoded path as sent, so path-style
/// endpoints such as Azurite's <c>http://127.0.0.1:10002/devstoreaccount1</c> sign
/// <c>/devstoreaccount1/devstoreaccount1/…</c>, which is what the service (and Azurite) compute.
/// </summary>
internal abstract class SharedKeyPolicy(StorageSharedKeyCredential credential, TimeProvider timeProvider) : HttpPipelineSynchronousPolicy
{
    public override void OnSendingRequest(HttpMessage message)
    {
        var request = message.Request;
        request.Headers.SetValue("x-ms-date", timeProvider.GetUtcNow().ToString("r", CultureInfo.InvariantCulture));
        var signature = credential.ComputeSignature(BuildStringToSign(request, credential.AccountName));
        request.Headers.SetValue(HttpHeader.Names.Authorization, $"{Scheme} {credential.AccountName}:{signature}");
    }

    protected abstract string Scheme { get; }

    internal abstract string BuildStringToSign(Request request, string accountName);

    protected static string Header(Request request, string name) =>
        request.Headers.TryGetValue(name, out var value) ? value : string.Empty;

    protected static string CanonicalizedPath(Request request, string accountName)
    {
        var path = request.Uri.ToUri().AbsolutePath;
        return "/" + accountName + (path.Length > 0 ? path : "/");
    }

    protected static IEnumerable<(string Name, string Value)> QueryParameters(Request request)
    {
        var query = request.Uri.Query;
        if (string.IsNullOrEmpty(query))
        {
            yield break;
        }
        foreach (var pair in query.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var equals = pair.IndexOf('=');
            var name = equals < 0 ? pair : pair[..equals];
            var value = equals < 0 ? string.Empty : pair[(equals + 1)..];
            yield return (Uri.UnescapeDataString(name).ToLowerInvariant(), Uri.UnescapeDataString(value.Replace('+', ' ')));
        }
    }
}

/// <summary>Shared Key Lite for the Table service: <c>x-ms-date\n/account/path[?comp=…]</c>.</summary>
internal sealed class TableSharedKeyLitePolicy(StorageSharedKeyCredential credential, TimeProvider timeProvider)
    : SharedKeyPolicy(credential, timeProvider)
{
    protected override string Scheme => "SharedKeyLite";

    internal override string BuildStringToSign(Request request, string accountName)
    {
        var resource = CanonicalizedPath(request, accountName);
        var comp = QueryParameters(request).FirstOrDefault(p => p.Name == "comp");
        if (comp.Name is not null)
        {
            resource += "?comp=" + comp.Value;
        }
        return Header(request, "x-ms-date") + "\n" + resource;
    }
}

/// <summary>Shared Key for the Queue (and Blob) service, version 2015-02-21 and later (empty Content-Length when zero).</summary>
internal sealed class StorageSharedKeyPolicy(StorageSharedKeyCredential credential, TimeProvider timeProvider)
    : SharedKeyPolicy(credential, timeProvider)
{
    protected override string Scheme => "SharedKey";

    internal override string BuildStringToSign(Request request, string accountName)
    {
        var contentLength = request.Content is not null && request.Content.TryComputeLength(out var length) && length > 0
            ? length.ToString(CultureInfo.InvariantCulture)
            : string.Empty;
        var builder = new StringBuilder()
            .Append(request.Method.Method).Append('\n')
            .Append(Header(request, "Content-Encoding")).Append('\n')
            .Append(Header(request, "Content-Language")).Append('\n')
            .Append(contentLength).Append('\n')
            .Append(Header(request, "Content-MD5")).Append('\n')
            .Append(Header(request, "Content-Type")).Append('\n')
            // The Date slot stays empty because x-ms-date (a canonicalized header below) carries the time.
            .Append('\n')
            .Append(Header(request, "If-Modified-Since")).Append('\n')
            .Append(Header(request, "If-Match")).Append('\n')
            .Append(Header(request, "If-None-Match")).Append('\n')
            .Append(Header(request, "If-Unmodified-Since")).Append('\n')
            .Append(Header(request, "Range")).Append('\n');

        foreach (var header in request.Headers
                     .Where(h => h.Name.StartsWith("x-ms-", StringComparison.OrdinalIgnoreCase))
                     .Select(h => (Name: h.Name.ToLowerInvariant(), h.Value))
                     .OrderBy(h => h.Name, StringComparer.Ordinal))
        {
            builder.Append(header.Name).Append(':').Append(header.Value.Trim()).Append('\n');
        }

        builder.Append(CanonicalizedPath(request, accountName));
        foreach (var parameter in QueryParameters(request)
                     .GroupBy(p => p.Name, StringComparer.Ordinal)
                     .OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            builder.Append('\n').Append(parameter.Key).Append(':')
                .Append(string.Join(',', parameter.Select(p => p.Value).Order(StringComparer.Ordinal)));
        }
        return builder.ToString();
    }
}
