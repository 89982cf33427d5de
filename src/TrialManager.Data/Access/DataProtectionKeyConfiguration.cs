using Microsoft.AspNetCore.DataProtection.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace TrialManager.Data.Access;

/// <summary>
/// The ASP.NET Core Data Protection key ring (it protects the dashboard cookie), shared by every API replica. Keys are
/// the framework's XML, written and read by its repository; they are not trial data and are not audited.
/// </summary>
internal sealed class DataProtectionKeyConfiguration : IEntityTypeConfiguration<DataProtectionKey>
{
    public void Configure(EntityTypeBuilder<DataProtectionKey> key) => key.ToTable("data_protection_keys");
}
