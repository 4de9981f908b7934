namespace Blueshift.Functions.Releases;

/// <summary>Shape rules of a release request that the releases API enforces whoever calls it.</summary>
internal static class ReleaseRequestRules
{
    public static IReadOnlyList<string> Strategies { get; } = [ReleaseStrategies.Canary, ReleaseStrategies.BlueGreen];

    public static IReadOnlyDictionary<string, string[]> Validate(ReleaseRequest request)
    {
        var errors = new Dictionary<string, string[]>();
        if (string.IsNullOrWhiteSpace(request.App))
        {
            errors["app"] = ["The app is required."];
        }
        if (string.IsNullOrWhiteSpace(request.Version) || request.Version.Length > 100)
        {
            errors["version"] = ["The version is required (at most 100 characters)."];
        }
        if (!request.Package.IsAbsoluteUri || request.Package.Scheme is not ("https" or "http"))
        {
            errors["package"] = ["The package must be an absolute http(s) URI."];
        }
        if (!Strategies.Contains(request.Strategy))
        {
            errors["strategy"] = [$"The strategy must be one of: {string.Join(", ", Strategies)}."];
        }
        if (ReleaseGates.ParseReleaseType(request.ReleaseType) is null)
        {
            errors["releaseType"] = [$"The release type must be one of: {string.Join(", ", ReleaseGates.ReleaseTypeNames)}."];
        }
        if (ReleaseGates.ParseChangeClass(request.ChangeClass) is null)
        {
            errors["changeClass"] = [$"The change class must be one of: {string.Join(", ", ReleaseGates.ChangeClassNames)}."];
        }
        if (request.BakeTime is { } bake && (bake <= TimeSpan.Zero || bake > TimeSpan.FromHours(24)))
        {
            errors["bakeTime"] = ["The bake time must be positive and at most 24 hours."];
        }
        if (request.TrafficSteps is { } steps && Domain.Releases.TrafficPlan.Validate(steps) is { } problem)
        {
            errors["trafficSteps"] = [problem];
        }
        return errors;
    }
}
