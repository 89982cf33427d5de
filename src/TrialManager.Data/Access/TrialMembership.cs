namespace TrialManager.Data.Access;

/// <summary>A user's role in a trial; a researcher's grant names the sites they work at.</summary>
public sealed class TrialMembership : IEntity, ITrialOwned
{
    public Guid Id { get; init; }
    public Guid TrialId { get; init; }
    public Guid UserId { get; init; }
    public User? User { get; init; }
    public TrialRole Role { get; set; }
    public List<Guid> SiteIds { get; set; } = [];
    public DateTimeOffset GrantedAt { get; set; }
    public Guid GrantedBy { get; set; }
}
