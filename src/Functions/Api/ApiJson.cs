using System.Text.Json;
using System.Text.Json.Serialization;

namespace Blueshift.Functions.Api;

/// <summary>How the HTTP API reads and writes JSON.</summary>
internal static class ApiJson
{
    /// <summary>
    /// Strict on input: an unknown property is an error rather than silently ignored, so a typo such as
    /// <c>trafficStep</c> tells the caller what went wrong instead of starting a release with defaults; and a property
    /// given twice (at any depth, in any letter case) is an error rather than the last value winning unseen.
    /// </summary>
    public static readonly JsonSerializerOptions Options = Create();

    private static JsonSerializerOptions Create()
    {
        var options = new JsonSerializerOptions(JsonSerializerDefaults.Web)
        {
            UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
            AllowDuplicateProperties = false,
            NumberHandling = JsonNumberHandling.Strict,
            MaxDepth = 16,
            AllowTrailingCommas = false,
            ReadCommentHandling = JsonCommentHandling.Disallow,
        };
        options.MakeReadOnly(populateMissingResolver: true);
        return options;
    }
}
