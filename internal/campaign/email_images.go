package campaign

import (
	"strconv"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// columnWidth is the width in pixels of the default layout's column: the
// 600-pixel container less its padding of 32 on each side.
const columnWidth = 536

// fitImages gives every image under n a width attribute of at most the
// column's. Outlook on Windows ignores CSS max-width and shows an image
// without one at its own size, so a photo wider than the column would push
// the whole email wider than the screen. A narrower image keeps its size,
// and the height of one made narrower shrinks with it; other clients still
// scale images down with max-width and height: auto on small screens.
func fitImages(n *html.Node) {
	if n.Type == html.ElementNode && n.DataAtom == atom.Img {
		fitImage(n)
	}
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		fitImages(c)
	}
}

func fitImage(img *html.Node) {
	width, height := -1, -1
	for i, a := range img.Attr {
		if a.Namespace != "" {
			continue
		}
		switch a.Key {
		case "width":
			width = i
		case "height":
			height = i
		}
	}
	w := 0
	if width >= 0 {
		w, _ = strconv.Atoi(img.Attr[width].Val)
	}
	if w > 0 && w <= columnWidth {
		return
	}
	if width < 0 {
		img.Attr = append(img.Attr, html.Attribute{Key: "width"})
		width = len(img.Attr) - 1
	}
	img.Attr[width].Val = strconv.Itoa(columnWidth)
	if height < 0 {
		return
	}
	if h, err := strconv.Atoi(img.Attr[height].Val); err == nil && w > 0 && h > 0 {
		img.Attr[height].Val = strconv.Itoa(h * columnWidth / w)
	} else {
		// A height without a width to scale it by would stretch the image.
		img.Attr = append(img.Attr[:height], img.Attr[height+1:]...)
	}
}
