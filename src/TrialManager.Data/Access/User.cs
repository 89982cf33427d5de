namespace TrialManager.Data.Access;

/// <summary>
/// A person who calls the API. A system admin manages users and grants; trial data needs a trial role.
/// </summary>
public sealed class User : IEntity
{
    public Guid Id { get; init; }
    public required string UserName { get; set; }
    public required string DisplayName { get; set; }
    public required string Email { get; set; }
    public bool IsSystemAdmin { get; set; }
    public DateTimeOffset CreatedAt { get; init; }
}
