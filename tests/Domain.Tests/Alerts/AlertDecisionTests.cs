using Blueshift.Domain.Alerts;

namespace Blueshift.Domain.Tests.Alerts;

public class AlertDecisionTests
{
    private const string Shop = "/subscriptions/s1/resourceGroups/rg/providers/Microsoft.Web/sites/shop";
    private static readonly DateTimeOffset Now = new(2026, 11, 19, 22, 30, 0, TimeSpan.Zero);

    private static CommonAlert Alert(AlertSeverity severity = AlertSeverity.Sev1, MonitorCondition condition = MonitorCondition.Fired, params string[] targets) =>
        new("/alerts/1", "shop-5xx", severity, "Metric", condition, "Platform", targets.Length == 0 ? [Shop] : targets, [], null, Now, null, null, "1.0", "1.0", null, []);

    private static AlertRoutingInput Input(params AppAlertRoute[] apps) => new(apps, Now);

    [Fact]
    public void Decide_FiredDuringActiveRelease_RollsBackIt()
    {
        var action = AlertDecision.Decide(Alert(), Input(new AppAlertRoute(Shop, ActiveReleaseId: "rel-42", ActiveReleasePhase: "Shifting")));

        var rollBack = Assert.IsType<AlertAction.RollBack>(action);
        var release = Assert.Single(rollBack.Releases);
        Assert.Equal("rel-42", release.ReleaseId);
        Assert.Equal("shop", release.AppName);
        Assert.Contains("phase Shifting", rollBack.Reason);
    }

    [Fact]
    public void Decide_NoSeverityDuringActiveRelease_AcknowledgesAndSaysWhy()
    {
        var alert = Alert() with { Severity = null };

        var action = AlertDecision.Decide(alert, Input(new AppAlertRoute(Shop, AlertSeverity.Sev4, ActiveReleaseId: "rel-42")));

        var acknowledged = Assert.IsType<AlertAction.Acknowledge>(action);
        Assert.Contains("No-severity", acknowledged.Reason);
        Assert.Contains("shop: the alert has no severity", acknowledged.Reason);
    }

    [Fact]
    public void Decide_NoSeverityAndNoTargets_AcknowledgesAsNoTarget()
    {
        var alert = Alert() with { Severity = null, AlertTargetIds = [] };

        var action = AlertDecision.Decide(alert, Input(new AppAlertRoute(Shop, ActiveReleaseId: "rel-42")));

        Assert.Contains("names no target resource", Assert.IsType<AlertAction.Acknowledge>(action).Reason);
    }

    [Fact]
    public void Decide_FiredInsideWatchWindow_RollsBackLastRelease()
    {
        var action = AlertDecision.Decide(Alert(), Input(new AppAlertRoute(Shop, LastReleaseId: "rel-41", WatchWindowEndsAt: Now.AddMinutes(5))));

        Assert.Equal("rel-41", Assert.Single(Assert.IsType<AlertAction.RollBack>(action).Releases).ReleaseId);
    }

    [Fact]
    public void Decide_FiredAfterWatchWindow_Acknowledges()
    {
        var action = AlertDecision.Decide(Alert(), Input(new AppAlertRoute(Shop, LastReleaseId: "rel-41", WatchWindowEndsAt: Now)));

        Assert.Contains("no watch window open", Assert.IsType<AlertAction.Acknowledge>(action).Reason);
    }

    [Fact]
    public void Decide_Resolved_Acknowledges()
    {
        var action = AlertDecision.Decide(Alert(condition: MonitorCondition.Resolved), Input(new AppAlertRoute(Shop, ActiveReleaseId: "rel-42")));

        Assert.Contains("resolved", Assert.IsType<AlertAction.Acknowledge>(action).Reason);
    }

    [Theory]
    [InlineData(AlertSeverity.Sev0, AlertSeverity.Sev2, true)]
    [InlineData(AlertSeverity.Sev2, AlertSeverity.Sev2, true)]
    [InlineData(AlertSeverity.Sev3, AlertSeverity.Sev2, false)]
    [InlineData(AlertSeverity.Sev1, AlertSeverity.Sev0, false)]
    [InlineData(AlertSeverity.Sev4, AlertSeverity.Sev4, true)]
    public void Decide_Severity_RollsBackAtOrAboveThreshold(AlertSeverity severity, AlertSeverity threshold, bool rollsBack)
    {
        var action = AlertDecision.Decide(Alert(severity), Input(new AppAlertRoute(Shop, threshold, ActiveReleaseId: "rel-42")));

        Assert.Equal(rollsBack, action is AlertAction.RollBack);
    }

    [Fact]
    public void Decide_DefaultThreshold_IsSev2()
    {
        Assert.Equal(AlertSeverity.Sev2, new AppAlertRoute(Shop).RollbackAtOrAbove);
    }

    [Fact]
    public void Decide_UnknownResource_Acknowledges()
    {
        var action = AlertDecision.Decide(Alert(targets: "/subscriptions/s1/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/vm1"),
            Input(new AppAlertRoute(Shop, ActiveReleaseId: "rel-42")));

        Assert.Contains("not apps managed by Blueshift", Assert.IsType<AlertAction.Acknowledge>(action).Reason);
    }

    [Theory]
    [InlineData("/subscriptions/s1/resourcegroups/RG/providers/microsoft.web/sites/SHOP")]
    [InlineData("/subscriptions/s1/resourceGroups/rg/providers/Microsoft.Web/sites/shop/slots/staging")]
    [InlineData("/subscriptions/S1/resourceGroups/rg/providers/Microsoft.Web/sites/shop/")]
    public void Decide_SlotOrDifferentCase_MatchesApp(string target)
    {
        var action = AlertDecision.Decide(Alert(targets: target), Input(new AppAlertRoute(Shop, ActiveReleaseId: "rel-42")));

        Assert.IsType<AlertAction.RollBack>(action);
    }

    [Fact]
    public void Decide_SameSiteAndSlot_OneRollback()
    {
        var action = AlertDecision.Decide(Alert(targets: [Shop, Shop + "/slots/staging"]), Input(new AppAlertRoute(Shop, ActiveReleaseId: "rel-42")));

        Assert.Single(Assert.IsType<AlertAction.RollBack>(action).Releases);
    }

    [Fact]
    public void Decide_OtherSiteWithSamePrefix_DoesNotMatch()
    {
        var action = AlertDecision.Decide(Alert(targets: Shop + "-admin"), Input(new AppAlertRoute(Shop, ActiveReleaseId: "rel-42")));

        Assert.IsType<AlertAction.Acknowledge>(action);
    }

    [Fact]
    public void Decide_ParsedReferenceSample_AcknowledgesUnmanagedTarget()
    {
        var parsed = Assert.IsType<AlertParseResult.Parsed>(CommonAlertParser.Parse(AlertSamples.Raw("test-action-metric-static-threshold.json")));

        var action = AlertDecision.Decide(parsed.Alert, Input(new AppAlertRoute(Shop, AlertSeverity.Sev4, ActiveReleaseId: "rel-42")));

        Assert.IsType<AlertAction.Acknowledge>(action);
    }

    [Fact]
    public void Decide_EnvelopeOnManagedApp_RollsBack()
    {
        var parsed = Assert.IsType<AlertParseResult.Parsed>(CommonAlertParser.Parse(AlertSamples.Payload("metric-static-threshold-platform.json")));

        var action = AlertDecision.Decide(parsed.Alert, Input(new AppAlertRoute(Shop, ActiveReleaseId: "rel-42")));

        Assert.IsType<AlertAction.RollBack>(action);
    }
}
