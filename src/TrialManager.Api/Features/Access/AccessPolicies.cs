namespace TrialManager.Api.Features.Access;

public static class AccessPolicies
{
    /// <summary>User and token management, trial creation and role grants.</summary>
    public const string SystemAdmin = "system-admin";
}
