namespace Blueshift.Domain.Analysis;

public enum InconclusiveDecision
{
    /// <summary>Bake the current step longer and analyse again.</summary>
    ExtendBake,

    /// <summary>Enough extensions: treat the step as failed rather than let an unjudged version through.</summary>
    FailSafe,
}

/// <summary>Too little traffic to judge is never a silent pass: the bake is extended a bounded number of times, then the release fails safe.</summary>
public static class InconclusivePolicy
{
    public static InconclusiveDecision Decide(int extensionsSoFar, int maxExtensions) =>
        extensionsSoFar < maxExtensions ? InconclusiveDecision.ExtendBake : InconclusiveDecision.FailSafe;
}
