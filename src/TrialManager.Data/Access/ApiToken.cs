namespace TrialManager.Data.Access;

/// <summary>A bearer token. Only the SHA-256 of the secret is kept; the secret is shown once.</summary>
public sealed class ApiToken : IEntity
{
    public Guid Id { get; init; }
    public Guid UserId { get; init; }
    public User? User { get; init; }
    public required string Name { get; set; }
    public required byte[] SecretHash { get; init; }
    public required string Prefix { get; init; }
    public DateTimeOffset CreatedAt { get; init; }
    public DateTimeOffset? ExpiresAt { get; init; }
    public DateTimeOffset? RevokedAt { get; set; }
    public DateTimeOffset? LastUsedAt { get; set; }
}
