namespace Blueshift.Functions.Releases;

/// <summary>The body of <c>POST /api/releases/{id}/approvals</c>.</summary>
/// <param name="Role">The approval being granted: CAB, TeamLead, Manager, CISO or Stakeholder. The caller must hold <c>Blueshift.Approver.{Role}</c>.</param>
public sealed record ApprovalBody(string? Role, string? Comment = null);

/// <summary>The body of <c>/abort</c>, <c>/promote</c> (optional) and <c>/rollback</c> (required reason).</summary>
public sealed record ReasonBody(string? Reason);
