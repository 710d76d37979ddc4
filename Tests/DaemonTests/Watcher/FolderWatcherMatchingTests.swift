import Glibc
import Testing
@testable import Daemon

@Suite struct FolderWatcherMatchingTests {
    let images = WatchedStation.defaultPatterns

    @Test func patternsMatchCaseInsensitively() {
        for name in ["a.jpg", "A.JPG", "b.Jpeg", "c.PNG", "frame 0001.jpg", "ü.jpg"] {
            #expect(FolderWatcher.matches(name: name, patterns: images), "\(name)")
        }
        #expect(FolderWatcher.matches(name: "x.jpg", patterns: ["*.JPG"]))
    }

    @Test func otherExtensionsDoNotMatch() {
        for name in ["d.gif", "e.txt", "jpg", "f.jpg.bak", "g.jpgx", "h.pngg", ""] {
            #expect(!FolderWatcher.matches(name: name, patterns: images), "\(name)")
        }
    }

    @Test func hiddenAndTemporaryNamesNeverMatch() {
        let names = [".a.jpg", ".JPG", "x.jpg.tmp", "x.jpg.part", "x.jpg.partial", "x.jpg.crdownload",
                     "x.jpg~", "x.jpg.swp", "X.JPG.TMP", "x.jpg.Part"]
        for name in names {
            #expect(!FolderWatcher.matches(name: name, patterns: images + ["*"]), "\(name)")
        }
    }

    @Test func fnmatchSyntaxIsSupported() {
        #expect(FolderWatcher.matches(name: "a1.jpg", patterns: ["[ab]?.jpg"]))
        #expect(FolderWatcher.matches(name: "B1.JPG", patterns: ["[ab]?.jpg"]))
        #expect(!FolderWatcher.matches(name: "c1.jpg", patterns: ["[ab]?.jpg"]))
        #expect(!FolderWatcher.matches(name: "a12.jpg", patterns: ["[ab]?.jpg"]))
        #expect(FolderWatcher.matches(name: "cam2_0001.png", patterns: ["cam[!1]_*.png"]))
        #expect(!FolderWatcher.matches(name: "cam1_0001.png", patterns: ["cam[!1]_*.png"]))
    }

    @Test func emptyPatternListMatchesNothing() {
        #expect(!FolderWatcher.matches(name: "a.jpg", patterns: []))
    }

    @Test func namesWithNULNeverMatch() {
        #expect(!FolderWatcher.matches(name: "a\u{0}.jpg", patterns: ["*"]))
    }

    @Test func watchLimitMessageNamesTheSysctl() {
        let reason = WatchFailure.reason(errno: ENOSPC)
        #expect(reason.contains("fs.inotify.max_user_watches"))
        #expect(WatchFailure.reason(errno: ENOENT) == "folder does not exist")
        #expect(WatchFailure.reason(errno: EACCES) == "permission denied")
    }

    @Test func folderPathsAreNormalized() {
        #expect(FolderWatcher.normalize("in", relativeTo: "/srv") == "/srv/in")
        #expect(FolderWatcher.normalize("./in//cam1/", relativeTo: "/srv/") == "/srv/in/cam1")
        #expect(FolderWatcher.normalize("/", relativeTo: "/srv") == "/")
        #expect(FolderWatcher.normalize("/data/./x/", relativeTo: "/srv") == "/data/x")
    }
}
