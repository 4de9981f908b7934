namespace Blueshift.Functions.Releases;

/// <summary>The body of <c>POST /api/releases/{id}/approvals</c>.</summary>
/// <param name="Role">The approval being granted: cab, team-lead, manager, ciso or stakeholder. The caller must hold the matching
/// Entra ID app role (<c>Blueshift.Approver.CAB</c>, <c>.TeamLead</c>, <c>.Manager</c>, <c>.CISO</c>, <c>.Stakeholder</c>).</param>
public sealed record ApprovalBody(string? Role, string? Comment = null);

/// <summary>The body of <c>/abort</c>, <c>/promote</c> (optional) and <c>/rollback</c> (required reason).</summary>
public sealed record ReasonBody(string? Reason);
