using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;

namespace Blueshift.AppServiceEmulator.Tests;

/// <summary>A plain HttpClient speaking ARM to the emulator: bearer token, api-version, JSON bodies.</summary>
internal sealed class ArmTestClient : IDisposable
{
    public const string ApiVersion = "2024-04-01";
    public const string Subscription = "34adfa4f-cedf-4dc0-ba29-b6d1a69ab345";
    public const string ResourceGroup = "testrg123";

    private readonly HttpClient _http;

    public ArmTestClient(AppServiceEmulatorServer emulator)
    {
        _http = new HttpClient { BaseAddress = emulator.ArmEndpoint };
        _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", "test-token");
    }

    public HttpClient Http => _http;

    public static string SitePath(string site, string? slot = null) =>
        $"/subscriptions/{Subscription}/resourceGroups/{ResourceGroup}/providers/Microsoft.Web/sites/{site}" + (slot is null ? "" : $"/slots/{slot}");

    public static string WithVersion(string path) => path + (path.Contains('?') ? "&" : "?") + "api-version=" + ApiVersion;

    public Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, JsonNode? body = null)
    {
        var request = new HttpRequestMessage(method, WithVersion(path));
        if (body is not null)
        {
            request.Content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json");
        }
        return _http.SendAsync(request);
    }

    public async Task<JsonObject> JsonAsync(HttpMethod method, string path, JsonNode? body = null, int expectedStatus = 200)
    {
        using var response = await SendAsync(method, path, body);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True((int)response.StatusCode == expectedStatus, $"{method} {path} answered {(int)response.StatusCode}: {text}");
        return JsonNode.Parse(text)!.AsObject();
    }

    /// <summary>Polls the Location URL of a 202 until it stops answering 202 (bounded), as an ARM client does.</summary>
    public async Task<HttpResponseMessage> PollLocationAsync(HttpResponseMessage accepted, int maxPolls = 20)
    {
        var location = accepted.Headers.Location ?? throw new InvalidOperationException("The 202 has no Location header.");
        for (var i = 0; i < maxPolls; i++)
        {
            var response = await _http.GetAsync(location);
            if ((int)response.StatusCode != 202)
            {
                return response;
            }
            response.Dispose();
        }
        throw new TimeoutException($"{location} still answered 202 after {maxPolls} polls.");
    }

    public void Dispose() => _http.Dispose();
}
