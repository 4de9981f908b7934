using Blueshift.Domain.Releases;

namespace Blueshift.Functions.Releases;

internal static class ReleaseViews
{
    public static ReleaseView ToView(this ReleaseState state) => new(
        state.Id,
        state.App,
        state.Version,
        ReleasePhases.StatusOf(state.Phase).ToString(),
        state.Phase.ToString(),
        state.Phase == ReleasePhase.Shifting ? state.StepIndex : null,
        state.TrafficPercent,
        state.ReleaseType,
        state.ChangeClass,
        state.ChangeReference,
        state.RequestedBy,
        state.CreatedAt,
        state.UpdatedAt,
        state.StatusReason,
        [.. state.Approvals],
        [.. state.Analyses],
        [.. state.Timeline]);
}
