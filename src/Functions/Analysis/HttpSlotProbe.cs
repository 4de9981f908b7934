using Blueshift.Functions.Releases;

namespace Blueshift.Functions.Analysis;

/// <summary>Probes slots over HTTP(S) on their own host names: https in Azure, http against the App Service emulator.</summary>
internal sealed class HttpSlotProbe(HttpClient httpClient, ReleaseOptions options) : ISlotProbe
{
    private const int MaxBodyChars = 4096;

    public async Task<ProbeResponse> GetAsync(string hostName, string path, CancellationToken cancellationToken)
    {
        var uri = new Uri($"{options.SlotScheme}://{hostName}{(path.StartsWith('/') ? path : "/" + path)}");
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(options.ProbeTimeout);
        try
        {
            using var response = await httpClient.GetAsync(uri, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
            var body = await response.Content.ReadAsStringAsync(timeout.Token);
            return new ProbeResponse((int)response.StatusCode, body.Length > MaxBodyChars ? body[..MaxBodyChars] : body);
        }
        catch (HttpRequestException ex)
        {
            return new ProbeResponse(0, "", $"no response: {ex.HttpRequestError}");
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return new ProbeResponse(0, "", $"no response within {options.ProbeTimeout.TotalSeconds:0.#} s");
        }
    }
}
