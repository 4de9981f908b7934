using System.Text.RegularExpressions;

namespace Blueshift.Functions.Apps;

/// <summary>ARM ids of App Service sites and slots, as Blueshift accepts and compares them.</summary>
public static partial class ResourceIds
{
    [GeneratedRegex(
        @"^/subscriptions/(?<subscription>[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})" +
        @"/resourceGroups/(?<group>[-\w._()]{0,89}[-\w_()])" +
        @"/providers/Microsoft\.Web/sites/(?<site>[a-z0-9](?:[a-z0-9-]{0,58}[a-z0-9])?)" +
        @"(?:/slots/(?<slot>[a-z0-9](?:[a-z0-9-]{0,57}[a-z0-9])?))?/?$",
        RegexOptions.CultureInvariant | RegexOptions.IgnoreCase | RegexOptions.ExplicitCapture)]
    private static partial Regex SitePattern();

    /// <summary>Whether <paramref name="resourceId"/> is a production site id (not a slot): what an app registration names.</summary>
    public static bool IsSiteId(string? resourceId) =>
        resourceId is not null && SitePattern().Match(resourceId) is { Success: true } m && !m.Groups["slot"].Success && !resourceId.EndsWith('/');

    /// <summary>
    /// The key apps are looked up by: the production site's id in lowercase, whether <paramref name="resourceId"/> names the
    /// site or one of its slots (ARM ids are case-insensitive, and Azure Monitor alerts often name a slot). Null when it is neither.
    /// </summary>
    public static string? SiteKey(string? resourceId)
    {
        if (resourceId is null || SitePattern().Match(resourceId) is not { Success: true } m)
        {
            return null;
        }
        return $"/subscriptions/{m.Groups["subscription"].Value}/resourcegroups/{m.Groups["group"].Value}/providers/microsoft.web/sites/{m.Groups["site"].Value}"
            .ToLowerInvariant();
    }
}
