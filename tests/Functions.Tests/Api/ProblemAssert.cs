using System.Net;
using System.Text.Json.Nodes;
using Xunit;

namespace Blueshift.Functions.Tests.Api;

internal static class ProblemAssert
{
    /// <summary>Asserts an RFC 9457 problem response with the status, and returns its body.</summary>
    public static async Task<JsonObject> IsProblemAsync(HttpResponseMessage response, HttpStatusCode status)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(status == response.StatusCode, $"Expected {(int)status}, got {(int)response.StatusCode}: {text}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var body = JsonNode.Parse(text)!.AsObject();
        Assert.Equal((int)status, (int?)body["status"]);
        Assert.False(string.IsNullOrWhiteSpace((string?)body["title"]));
        Assert.False(string.IsNullOrWhiteSpace((string?)body["detail"]), text);
        Assert.DoesNotContain("   at ", text, StringComparison.Ordinal);
        return body;
    }

    public static IReadOnlyList<string> ErrorFields(JsonObject problem) =>
        problem["errors"]?.AsObject().Select(e => e.Key).Order().ToList() ?? [];
}
