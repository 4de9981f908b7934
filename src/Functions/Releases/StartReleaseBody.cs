using System.Text.RegularExpressions;
using Blueshift.Domain.ChangeControl;
using Blueshift.Functions.Api;

namespace Blueshift.Functions.Releases;

/// <summary>The body of <c>POST /api/releases</c> as sent; <see cref="StartReleaseValidation"/> turns it into a <see cref="ReleaseRequest"/>.</summary>
/// <param name="Package">Absolute https URI of the package deployed to the staging slot.</param>
/// <param name="ReleaseType">Major, Minor, Patch or Hotfix.</param>
/// <param name="ChangeClass">Standard, Normal or Emergency. Normal changes name their change request in <paramref name="ChangeReference"/>.</param>
/// <param name="Strategy"><c>canary</c> (default) or <c>blue-green</c>.</param>
/// <param name="TrafficSteps">Canary only: ascending percentages ending at 100, e.g. [10, 25, 50, 100].</param>
/// <param name="BakeTime">How long each step is watched: ISO 8601 (<c>PT15M</c>) or <c>00:15:00</c>, between 1 s and 24 h.</param>
public sealed record StartReleaseBody(
    string? App,
    string? Version,
    string? Package,
    string? ReleaseType,
    string? ChangeClass,
    string? ChangeReference = null,
    string? SourceSlot = null,
    string? Strategy = null,
    IReadOnlyList<int>? TrafficSteps = null,
    string? BakeTime = null,
    IReadOnlyList<SmokeTestBody?>? SmokeTests = null,
    string? Reason = null);

/// <summary>The vocabulary of a release request (ARCHITECTURE.md §4, seed 000 §4.2 and §7).</summary>
public static class ReleaseVocabulary
{
    public static readonly IReadOnlyList<string> ReleaseTypes = Enum.GetNames<ReleaseType>();
    public static readonly IReadOnlyList<string> ChangeClasses = Enum.GetNames<ChangeClass>();
    public static readonly IReadOnlyList<string> Strategies = ["canary", "blue-green"];
    public static readonly IReadOnlyList<string> Statuses = ["Active", "Succeeded", "RolledBack", "Aborted", "Failed"];

    /// <summary>The canonical spelling of <paramref name="value"/> among <paramref name="names"/>, matched case-insensitively.</summary>
    public static string? Canonical(IReadOnlyList<string> names, string? value) =>
        value is null ? null : names.FirstOrDefault(n => n.Equals(value, StringComparison.OrdinalIgnoreCase));
}

/// <summary>Pure shape checks of a release request; business rules (windows, freezes, approvals) belong to the release gates.</summary>
public static partial class StartReleaseValidation
{
    public const int MaxReasonLength = 1000;

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._+-]{0,63}$", RegexOptions.CultureInvariant)]
    private static partial Regex VersionPattern();

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._/:#-]{0,63}$", RegexOptions.CultureInvariant)]
    private static partial Regex ChangeReferencePattern();

    /// <returns>The request when every field is valid; otherwise null and the reasons, per field, in <c>errors</c>.</returns>
    public static ReleaseRequest? Validate(StartReleaseBody body, bool allowLoopbackHttp, out IDictionary<string, string[]> errors)
    {
        var e = new FieldErrors();
        FieldRules.AppName(e, "app", body.App);

        if (string.IsNullOrEmpty(body.Version))
        {
            e.Add("version", "Required: the version being released, e.g. '2.4.1'.");
        }
        else if (!VersionPattern().IsMatch(body.Version))
        {
            e.Add("version", "Use 1–64 letters, digits, '.', '_', '+' or '-', starting with a letter or digit.");
        }

        var package = FieldRules.OutboundUri(e, "package", body.Package, allowLoopbackHttp, required: true, "the package deployed to the staging slot");

        var releaseType = ReleaseVocabulary.Canonical(ReleaseVocabulary.ReleaseTypes, body.ReleaseType);
        if (releaseType is null)
        {
            e.Add("releaseType", $"Required, one of: {string.Join(", ", ReleaseVocabulary.ReleaseTypes)}.");
        }

        var changeClass = ReleaseVocabulary.Canonical(ReleaseVocabulary.ChangeClasses, body.ChangeClass);
        if (changeClass is null)
        {
            e.Add("changeClass", $"Required, one of: {string.Join(", ", ReleaseVocabulary.ChangeClasses)}.");
        }

        if (body.ChangeReference is not null && !ChangeReferencePattern().IsMatch(body.ChangeReference))
        {
            e.Add("changeReference", "Use the change request's id: 1–64 letters, digits and '.', '_', '/', ':', '#', '-'.");
        }
        else if (body.ChangeReference is null && changeClass == nameof(ChangeClass.Normal))
        {
            e.Add("changeReference", "Required for a Normal change: the id of the change request the CAB reviews.");
        }

        FieldRules.SlotName(e, "sourceSlot", body.SourceSlot);

        var strategy = body.Strategy is null ? "canary" : ReleaseVocabulary.Canonical(ReleaseVocabulary.Strategies, body.Strategy);
        if (strategy is null)
        {
            e.Add("strategy", "One of: canary (traffic steps, then swap) or blue-green (swap after verification).");
        }

        var steps = FieldRules.TrafficSteps(e, "trafficSteps", body.TrafficSteps);
        if (strategy == "blue-green" && body.TrafficSteps is not null)
        {
            e.Add("trafficSteps", "A blue-green release has no traffic steps; leave them out or use the canary strategy.");
        }

        var bakeTime = FieldRules.Duration(e, "bakeTime", body.BakeTime);
        var smokeTests = FieldRules.SmokeTests(e, "smokeTests", body.SmokeTests);

        FieldRules.Text(e, "reason", body.Reason, MaxReasonLength, required: changeClass == nameof(ChangeClass.Emergency), "why this emergency change cannot wait");

        errors = e.ToDictionary();
        if (e.Any)
        {
            return null;
        }
        return new ReleaseRequest(
            body.App!,
            body.Version!,
            package!,
            releaseType!,
            changeClass!,
            body.ChangeReference,
            body.SourceSlot,
            strategy!,
            steps,
            bakeTime,
            smokeTests,
            body.Reason);
    }
}
